"""mathsnap training data engine: formula generators, renderers, photo effects, page composer."""
