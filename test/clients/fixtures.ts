// What the client-compatibility suites ask of every client, and what the demo model answers.
// The demo model always says DEMO_REPLY; a grammar constrains whatever its weights are, so a
// response schema or a forced tool call yields valid JSON of the asked shape either way — as
// long as every string is bounded (maxLength), since the demo's table never closes a quote.
import { z } from 'zod';
import { DEMO_REPLY } from '../../gguf/demo-model.js';

export { DEMO_REPLY };

export const PROMPT = 'Who are you?';

/** `stop: ["smartbot"]` ends the reply before its first "smartbot". */
export const STOP = 'smartbot';
export const BEFORE_STOP = DEMO_REPLY.slice(0, DEMO_REPLY.indexOf(STOP)).trimEnd();

/** A structured answer (response_format json_schema). */
export const Forecast = z.object({ city: z.string().max(24), sunny: z.boolean() });

/** A tool's arguments (tools / tool_choice), and what the tool answers. */
export const WeatherArgs = z.object({ city: z.string().max(24) });
export const WEATHER_TOOL = { name: 'get_weather', description: 'The current weather in a city' };
export const weatherResult = (city: string) => ({ city, temperatureC: 21, sky: 'clear' });
