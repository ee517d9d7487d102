// A plain record handler (CommonJS, named export).
module.exports.handle = async (record) => record.sequenceNumber;
