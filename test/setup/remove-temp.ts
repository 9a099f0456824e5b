// Runs before every test file: what tempDir() made in the file is removed after its last test.
// Bounded generously: the docs test's repository copies are thousands of files, and a loaded
// CI machine removes them slowly (10 s, vitest's default, was not enough once).
import { afterAll } from 'vitest';
import { removeTempDirs } from '../helpers/temp.js';

afterAll(removeTempDirs, 120_000);
