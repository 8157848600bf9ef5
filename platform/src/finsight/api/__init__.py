"""Cross-cutting HTTP concerns: dependencies, problem documents, middleware, pagination."""
