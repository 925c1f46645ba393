"""REST plumbing shared by every app that offers an API: parser, errors, strict fields."""
