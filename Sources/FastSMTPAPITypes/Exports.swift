// The generated types are the module.
