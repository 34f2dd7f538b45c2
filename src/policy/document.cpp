// Implementation pending (see its issue).
