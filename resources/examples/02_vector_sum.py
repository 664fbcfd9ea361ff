# A vector input: sum(x**2) has one gradient entry per element of x, 2x = [2, 4, 6].
x = [1.0, 2.0, 3.0]
y = sum(x**2)
