// An import worker that never answers: what a file that takes forever to read looks like to lib/import/import.ts.
setInterval(() => {}, 60_000);
