"""Using a trained detector: the bundle, the scan pipeline and its report."""
