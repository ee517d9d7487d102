throw new Error('top-level failure in the handler module');
