// Runs before every test file: what tempDir() made in the file is removed after its last test.
import { afterAll } from 'vitest';
import { removeTempDirs } from '../helpers/temp.js';

afterAll(removeTempDirs);
