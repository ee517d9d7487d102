// A core batch handler.
export const batch = { kind: 'batch', handle: async (records) => ({ done: records.length }) };
