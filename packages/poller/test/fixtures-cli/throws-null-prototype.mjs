// A handler module that throws a value that is not an Error (and cannot become a string) at import.
throw Object.create(null);
