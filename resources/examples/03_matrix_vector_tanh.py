# A matrix-vector product: W's grad is the outer product of (1 - tanh²) with x.
W = [[0.5, -1.0, 0.25], [1.5, 0.5, -0.5]]
x = [1.0, 2.0, 3.0]
h = tanh(W @ x)
y = sum(h)
