# The textbook example: y's grads are dy/da = 3a² = 75 and dy/db = -2b = -12.
a = 5
b = 6
y = a**3 - b**2 + 3
