"""Example SageMaker bring-your-own container: a scikit-learn classifier for label-first CSV."""
