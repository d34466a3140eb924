"""Formula sources per content level: grammar generators and the shared school formula list."""
