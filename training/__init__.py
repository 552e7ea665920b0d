"""PyTorch training: datasets and synthesis, models, losses, train / evaluate / export."""
