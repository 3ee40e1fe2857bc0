"""Known bugs and correct alternatives of assignment 03_cnn_loops (see autograder.mutations).

The layers feed each other, so a bug costs points downstream too: conv_forward's and
max_pool_forward's caches go to their backward passes (whose tests use the student's own
forward), every layer is used by forward_propagation and backward_propagation, and the
checkpoint training inside test_update_parameters runs the student's forward, backward
and update (with the reference's initial parameters, so initialize_parameters is graded by
its own test alone). The network and the checkpoint use stride 1 and padding 1 for the
convolution and 2x2 pooling with stride 2 (plus, in the network's hidden cases, conv
stride 2, padding 0 and pool stride 1), which decides which stride bugs reach them.
"""
from . import Alternative, Bug, tests

#: Tests that run the whole network: a layer bug that changes its outputs breaks all three.
NETWORK = ("forward_propagation", "backward_propagation", "update_parameters")

BUGS = [
    Bug("padding every axis", "zero_pad",
        "((0, 0), (0, 0), (pad, pad), (pad, pad))", "pad",
        tests("zero_pad", "conv_forward", "conv_backward", *NETWORK)),
    Bug("output size off by one", "conv_forward",
        "H_out = (H_prev + 2 * padding - f) // stride + 1", "H_out = (H_prev + 2 * padding - f) // stride",
        # conv_backward keeps its points: it is right, and a gradient check against this
        # forward (which just skips the last row of windows) passes
        tests("conv_forward", *NETWORK)),
    Bug("window one pixel short", "conv_forward",
        "A_pad[n, :, top:top + f, left:left + f]", "A_pad[n, :, top:top + f - 1, left:left + f - 1]",
        tests("conv_forward", "conv_backward", *NETWORK)),
    Bug("stride ignored in conv backward", "conv_backward",
        "top, left = i * stride, j * stride", "top, left = i, j",
        # the checkpoint network has stride 1, where the bug does nothing
        tests("conv_backward", "backward_propagation")),
    Bug("padding not removed from dA_prev", "conv_backward",
        "dA_prev = dA_pad[:, :, padding:padding + H_prev, padding:padding + W_prev]", "dA_prev = dA_pad",
        # the network never uses the gradient with respect to its input image
        tests("conv_backward")),
    Bug("bias gradient averaged over positions", "conv_backward",
        "db[k, 0] += np.sum(dZ[n, k])", "db[k, 0] += np.mean(dZ[n, k])",
        # the conv bias still learns, only slower: the checkpoint is still reached
        tests("conv_backward", "backward_propagation")),
    Bug("pool window moved by pool_size", "max_pool_forward",
        "top, left = i * stride, j * stride", "top, left = i * pool_size, j * pool_size",
        # the checkpoint pools 2x2 with stride 2, where the bug does nothing
        tests("max_pool_forward", "max_pool_backward", "forward_propagation", "backward_propagation")),
    Bug("gradient to every element of the pool window", "max_pool_backward",
        "+= mask * dA[n, c, i, j]", "+= dA[n, c, i, j]",
        tests("max_pool_backward", "backward_propagation")),
    Bug("pool gradient assigned, not added", "max_pool_backward",
        "] += mask * dA[n, c, i, j]", "] = mask * dA[n, c, i, j]",
        # only overlapping windows (stride < pool_size) lose gradient; the checkpoint has none
        tests("max_pool_backward", "backward_propagation")),
    Bug("np.max instead of np.maximum", "relu", "np.maximum(0, Z)", "np.max(0, Z)", tests("relu", *NETWORK)),
    Bug("ReLU backward forgets dA", "relu_backward",
        "dA * (Z > 0)", "1.0 * (Z > 0)", tests("relu_backward", "backward_propagation", "update_parameters")),
    Bug("flattened size ignores the pooling", "initialize_parameters",
        "flat = n_filters * H_p * W_p", "flat = n_filters * H_c * W_c", tests("initialize_parameters")),
    Bug("softmax over the batch axis", "forward_propagation",
        "E / E.sum(axis=1, keepdims=True)", "E / E.sum(axis=0, keepdims=True)",
        tests("forward_propagation", "backward_propagation", "update_parameters")),
    Bug("missing 1/N in backward", "backward_propagation",
        "dZ3 = (A_out - Y) / N", "dZ3 = A_out - Y", tests("backward_propagation", "update_parameters")),
    Bug("wrong sign in the update", "update_parameters",
        "value - learning_rate", "value + learning_rate", tests("update_parameters")),
]

ALTERNATIVES = [
    Alternative("zero_pad by slice assignment", "zero_pad", '''\
def zero_pad(X, pad):
    N, C, H, W = X.shape
    X_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    X_pad[:, :, pad:pad + H, pad:pad + W] = X
    return X_pad
'''),
    Alternative("conv_forward with positions outside the filter loop and a dict cache", "conv_forward", '''\
def conv_forward(A_prev, W, b, stride=1, padding=1):
    m, n_C_prev, n_H_prev, n_W_prev = A_prev.shape
    n_C, _, f, _ = W.shape
    n_H = int((n_H_prev - f + 2 * padding) / stride) + 1
    n_W = int((n_W_prev - f + 2 * padding) / stride) + 1
    A_prev_pad = zero_pad(A_prev, padding)
    Z = np.zeros((m, n_C, n_H, n_W))
    for i in range(m):
        for h in range(n_H):
            vert_start = stride * h
            for w in range(n_W):
                horiz_start = stride * w
                a_slice = A_prev_pad[i, :, vert_start:vert_start + f, horiz_start:horiz_start + f]
                for c in range(n_C):
                    Z[i, c, h, w] = (a_slice * W[c, :, :, :]).sum() + b[c].item()
    return Z, {"A_prev": A_prev, "W": W, "b": b, "stride": stride, "padding": padding}
'''),
    Alternative("conv_backward with a dict cache, db after the loops and a guarded unpad", "conv_backward", '''\
def conv_backward(dZ, cache):
    A_prev, W, stride, pad = cache["A_prev"], cache["W"], cache["stride"], cache["padding"]
    m, n_C, n_H, n_W = dZ.shape
    f = W.shape[2]
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = np.zeros_like(A_prev_pad, dtype=float)
    dW = np.zeros_like(W, dtype=float)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * stride, w * stride
                for c in range(n_C):
                    dA_prev_pad[i, :, vs:vs + f, hs:hs + f] += W[c] * dZ[i, c, h, w]
                    dW[c] += A_prev_pad[i, :, vs:vs + f, hs:hs + f] * dZ[i, c, h, w]
    db = np.sum(dZ, axis=(0, 2, 3)).reshape(n_C, 1)
    dA_prev = dA_prev_pad[:, :, pad:-pad, pad:-pad] if pad > 0 else dA_prev_pad
    return dA_prev, dW, db
'''),
    Alternative("relu by masking", "relu", '''\
def relu(Z):
    return Z * (Z > 0)
'''),
    Alternative("max_pool_forward caching the position of each maximum", "max_pool_forward", '''\
def max_pool_forward(A_prev, pool_size=2, stride=2):
    m, n_C, n_H_prev, n_W_prev = A_prev.shape
    n_H = 1 + (n_H_prev - pool_size) // stride
    n_W = 1 + (n_W_prev - pool_size) // stride
    A = np.zeros((m, n_C, n_H, n_W))
    where = np.zeros((m, n_C, n_H, n_W), dtype=int)
    for i in range(m):
        for c in range(n_C):
            for h in range(n_H):
                for w in range(n_W):
                    window = A_prev[i, c, h * stride:h * stride + pool_size, w * stride:w * stride + pool_size]
                    where[i, c, h, w] = np.argmax(window)
                    A[i, c, h, w] = window.max()
    return A, (A_prev.shape, where, pool_size, stride)
'''),
    Alternative("max_pool_backward from the cached argmax", "max_pool_backward", '''\
def max_pool_backward(dA, cache):
    shape, where, pool_size, stride = cache
    dA_prev = np.zeros(shape)
    m, n_C, n_H, n_W = dA.shape
    for i in range(m):
        for c in range(n_C):
            for h in range(n_H):
                for w in range(n_W):
                    p, q = np.unravel_index(where[i, c, h, w], (pool_size, pool_size))
                    dA_prev[i, c, h * stride + p, w * stride + q] += dA[i, c, h, w]
    return dA_prev
'''),
    Alternative("relu_backward with np.where", "relu_backward", '''\
def relu_backward(dA, Z):
    return np.where(Z > 0, dA, 0.0)
'''),
    Alternative("0.01 * randn with a global seed", "initialize_parameters", '''\
def initialize_parameters(input_dim, n_filters=8, filter_size=3, conv_stride=1, conv_padding=1,
                          pool_size=2, pool_stride=2, n_h=128, n_y=10):
    np.random.seed(2)
    n_C, n_H, n_W = input_dim
    size = lambda n: ((n + 2 * conv_padding - filter_size) // conv_stride + 1 - pool_size) // pool_stride + 1
    flat = n_filters * size(n_H) * size(n_W)
    return {"W_conv": np.random.randn(n_filters, n_C, filter_size, filter_size) * 0.01,
            "b_conv": np.zeros((n_filters, 1)),
            "W_fc": np.random.randn(flat, n_h) * 0.01, "b_fc": np.zeros((1, n_h)),
            "W_out": np.random.randn(n_h, n_y) * 0.01, "b_out": np.zeros((1, n_y))}
'''),
    Alternative("forward pass with a tuple cache", "forward_propagation", '''\
def forward_propagation(X, parameters, conv_stride=1, conv_padding=1, pool_size=2, pool_stride=2):
    Z1, c1 = conv_forward(X, parameters["W_conv"], parameters["b_conv"], stride=conv_stride, padding=conv_padding)
    A1 = relu(Z1)
    P, c2 = max_pool_forward(A1, pool_size=pool_size, stride=pool_stride)
    flat = P.reshape(P.shape[0], -1)
    Z2 = np.dot(flat, parameters["W_fc"]) + parameters["b_fc"]
    A2 = relu(Z2)
    Z3 = np.dot(A2, parameters["W_out"]) + parameters["b_out"]
    shifted = Z3 - np.max(Z3, axis=1)[:, None]
    A_out = np.exp(shifted) / np.sum(np.exp(shifted), axis=1)[:, None]
    return A_out, (c1, Z1, c2, P, flat, Z2, A2)
'''),
    Alternative("backward pass reading the tuple cache", "backward_propagation", '''\
def backward_propagation(A_out, Y, cache, parameters):
    c1, Z1, c2, P, flat, Z2, A2 = cache
    dZ3 = (A_out - Y) / len(Y)
    grads = {"dW_out": np.dot(A2.T, dZ3), "db_out": np.sum(dZ3, axis=0).reshape(1, -1)}
    dZ2 = relu_backward(np.dot(dZ3, parameters["W_out"].T), Z2)
    grads["dW_fc"] = np.dot(flat.T, dZ2)
    grads["db_fc"] = np.sum(dZ2, axis=0).reshape(1, -1)
    dP = np.dot(dZ2, parameters["W_fc"].T).reshape(P.shape)
    dZ1 = relu_backward(max_pool_backward(dP, c2), Z1)
    grads["dA0"], grads["dW_conv"], grads["db_conv"] = conv_backward(dZ1, c1)
    return grads
'''),
    Alternative("update in place", "update_parameters", '''\
def update_parameters(parameters, grads, learning_rate):
    for key in parameters:
        parameters[key] -= learning_rate * grads["d" + key]
    return parameters
'''),
]

#: The bugs typed into the demo's "buggy" submission.
DEMO_BUGS = ("gradient to every element of the pool window", "bias gradient averaged over positions")
