// CommonJS compiled from ESM by tsc/esbuild: `exports.default = fn`.
Object.defineProperty(exports, '__esModule', { value: true });
exports.default = async (record) => record.sequenceNumber;
