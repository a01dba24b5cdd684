// Placeholder entry, replaced by the Vagrant target work (issue 2).
export {};
