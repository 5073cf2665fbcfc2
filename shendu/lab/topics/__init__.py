"""One module per family of questions; importing this package registers every experiment."""
