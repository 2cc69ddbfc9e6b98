"""Payment collection: collectors, return files, payments and their classification."""
