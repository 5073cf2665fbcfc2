"""Differentiable ops, one module per family."""
