# Softmax + cross-entropy: the logits' grad comes out as softmax(z) - target.
z = [2.0, 1.0, 0.1]
target = tensor([1.0, 0.0, 0.0], requires_grad=False)
p = softmax(z, dim=0)
loss = -sum(target * log(p))  # the same number as cross_entropy(z, target)
