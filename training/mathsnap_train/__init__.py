"""mathsnap training: LaTeX canonical form, recognizer model, training and export."""
