"""Code shared by the pipeline's Lambda functions, shipped as one Lambda layer."""
