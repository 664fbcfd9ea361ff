# A for loop unrolls into a chain: the same w is used at every step, so its grad sums 3 terms.
w = 0.9
h = 1.0
for i in range(3):
    h = tanh(w * h)
