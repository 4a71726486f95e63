//! The command line as a user meets it: flag spellings, stdin, errors and
//! exit codes.
