"""Build tooling for the repository (HTML export, link checks); notebooks never import it."""
