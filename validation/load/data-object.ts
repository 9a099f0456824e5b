// The objects loaded maps become. Their prototype chain is empty: nothing is inherited, and no key
// a file writes can reach Object.prototype (`__proto__` is then an ordinary own key, not the
// prototype setter; `constructor` and `toString` are not there). Not Object.create(null): V8 keeps
// those in slow dictionary mode, which made validation 30 % slower (ajv 3×); instances of a
// constructor whose prototype is a frozen, empty, null-prototype object stay fast.

const Data = function Data() {} as unknown as new () => Record<string, unknown>;
Data.prototype = Object.freeze(Object.create(null)) as Record<string, unknown>;

/** An empty map for data read from a file. */
export const dataObject = (): Record<string, unknown> => new Data();
