# One neuron, one squared error: sigmoid's local derivative p·(1 - p) scales the grads of w and b.
x = tensor([1.0, 2.0], requires_grad=False)
target = tensor(1.0, requires_grad=False)
w = [0.5, -0.3]
b = 0.1
p = sigmoid(dot(w, x) + b)
loss = (p - target) ** 2
