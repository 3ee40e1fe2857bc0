"""Known bugs and correct alternatives of assignment 04_cnn_im2col_cupy (see autograder.mutations)."""
from .. import reference
from . import Alternative, Bug, tests

BUGS = [
    Bug("stride ignored in the indices", "get_im2col_indices",
        "i1 = stride * np.repeat", "i1 = np.repeat",
        # the reference im2col slices each offset instead of using the indices: only their own test sees it
        tests("get_im2col_indices")),
    Bug("im2col copies the image into the corner of the padded buffer", "im2col",
        "x_padded[:, padding:padding + H, padding:padding + W] =", "x_padded[:, :H, :W] =",
        # pooling calls im2col with padding 0, so it is unaffected; col2im's visible adjoint test uses im2col;
        # the network still learns from images shifted by the padding, so training passes its checkpoint
        tests("im2col", "col2im", "conv_forward_fast", "conv_backward_fast")),
    Bug("image index slowest in the columns", "im2col",
        "return cols.reshape(C * field_height * field_width, -1)",
        "return cols.transpose(0, 1, 2, 5, 3, 4).reshape(C * field_height * field_width, -1)",
        tests("im2col", "col2im", "conv_forward_fast", "conv_backward_fast", "max_pool_forward_fast",
              "max_pool_backward_fast", "cnn_model")),
    Bug("col2im overwrites instead of adding", "col2im",
        "+= windows[:, di, dj]", "= windows[:, di, dj]",
        # the network's conv layer is the first: its dA_prev (the only col2im output) is never used
        tests("col2im", "conv_backward_fast", "max_pool_backward_fast")),
    Bug("col2im builds a NumPy array", "col2im",
        "x_padded = xp.zeros(", "x_padded = np.zeros(",
        # right on the CPU; only the runs on the stand-in device catch it
        tests("col2im", "conv_backward_fast", "max_pool_backward_fast", "cnn_model")),
    Bug("bias left out", "conv_forward_fast",
        "    Z += b.reshape(F, 1)", "    pass",
        # the backward pass still returns db, which no longer matches the student's own forward
        tests("conv_forward_fast", "conv_backward_fast")),
    Bug("db summed over the wrong axes", "conv_backward_fast",
        "dZ.sum(axis=(0, 2, 3))", "dZ.sum(axis=(1, 2, 3))",
        tests("conv_backward_fast", "cnn_model")),
    Bug("pool gradient spread over the window", "max_pool_backward_fast",
        "(xp.arange(p * p) == argmax[..., None]) * dA[..., None]", "xp.ones(p * p) * dA[..., None] / (p * p)",
        tests("max_pool_backward_fast")),
    Bug("last epoch's weights returned", "cnn_model",
        "return best, history", "return parameters, history", tests("cnn_model")),
    Bug("early stopping watches the loss whatever the monitor", "cnn_model",
        '"val_accuracy": 1.0 - history["val_accuracy"][-1]}[monitor]', '"val_accuracy": history["val_loss"][-1]}[monitor]',
        tests("cnn_model")),
    Bug("saved from the device without a transfer", "save_parameters",
        "**backend.to_numpy(parameters)", "**parameters", tests("save_parameters")),
    Bug("loaded onto the host", "load_parameters",
        "return backend.to_device({name: stored[name] for name in stored.files})",
        "return {name: stored[name] for name in stored.files}", tests("load_parameters")),
]


def _with_given_helpers(cnn_model_source: str) -> str:
    """The given helpers of the cnn_model cell (from the reference) followed by a student's cnn_model."""
    source = reference.solution_sources(reference.read_solutions("04_cnn_im2col_cupy"))["cnn_model"]
    return source[:source.index("def cnn_model(")] + cnn_model_source


ALTERNATIVES = [
    Alternative("indices with full-shaped arrays built by broadcasting", "get_im2col_indices", '''\
def get_im2col_indices(x_shape, field_height, field_width, padding=1, stride=1):
    N, C, H, W = x_shape
    out_h = (H + 2 * padding - field_height) // stride + 1
    out_w = (W + 2 * padding - field_width) // stride + 1
    c, di, dj, y, x = np.meshgrid(np.arange(C), np.arange(field_height), np.arange(field_width),
                                  np.arange(out_h), np.arange(out_w), indexing="ij")
    rows, windows = C * field_height * field_width, out_h * out_w
    k = c.reshape(rows, windows)
    i = (di + stride * y).reshape(rows, windows)
    j = (dj + stride * x).reshape(rows, windows)
    return k, i, j
'''),
    Alternative("im2col gathering with the indices (CS231n)", "im2col", '''\
def im2col(x, field_height, field_width, padding=1, stride=1):
    xp = backend.get_array_module(x)
    C = x.shape[1]
    x_padded = xp.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    k, i, j = get_im2col_indices(x.shape, field_height, field_width, padding, stride)
    cols = x_padded[:, k, i, j]
    return cols.transpose(1, 2, 0).reshape(C * field_height * field_width, -1)
'''),
    Alternative("col2im with a scatter-add on the indices (CS231n)", "col2im", '''\
def col2im(cols, x_shape, field_height=3, field_width=3, padding=1, stride=1):
    xp = backend.get_array_module(cols)
    N, C, H, W = x_shape
    x_padded = xp.zeros((N, C, H + 2 * padding, W + 2 * padding), dtype=cols.dtype)
    k, i, j = get_im2col_indices(x_shape, field_height, field_width, padding, stride)
    cols_reshaped = cols.reshape(C * field_height * field_width, -1, N).transpose(2, 0, 1)
    xp.add.at(x_padded, (slice(None), k, i, j), cols_reshaped)
    if padding == 0:
        return x_padded
    return x_padded[:, :, padding:-padding, padding:-padding]
'''),
    Alternative("conv forward with windows as rows and a dict cache", "conv_forward_fast", '''\
def conv_forward_fast(A_prev, W, b, stride=1, padding=1):
    N, C, H, W_in = A_prev.shape
    F, _, f, _ = W.shape
    H_out, W_out = (H + 2 * padding - f) // stride + 1, (W_in + 2 * padding - f) // stride + 1
    cols = im2col(A_prev, f, f, padding=padding, stride=stride)
    out = cols.T @ W.reshape(F, -1).T + b.T                     # (H_out*W_out*N, F)
    Z = out.reshape(H_out, W_out, N, F).transpose(2, 3, 0, 1)
    return Z, {"cols": cols, "W": W, "x_shape": A_prev.shape, "stride": stride, "padding": padding}
'''),
    Alternative("conv backward reading the dict cache", "conv_backward_fast", '''\
def conv_backward_fast(dZ, cache):
    W, cols = cache["W"], cache["cols"]
    F, C, f, _ = W.shape
    dout = dZ.transpose(2, 3, 0, 1).reshape(-1, F)              # rows are the columns of cols
    db = dout.sum(axis=0)[:, None]
    dW = (cols @ dout).T.reshape(F, C, f, f)
    dA_prev = col2im((dout @ W.reshape(F, -1)).T, cache["x_shape"], f, f, cache["padding"], cache["stride"])
    return dA_prev, dW, db
'''),
    Alternative("pooling that always takes the im2col path", "max_pool_forward_fast", '''\
def max_pool_forward_fast(A_prev, pool_size=2, stride=2):
    xp = backend.get_array_module(A_prev)
    N, C, H, W = A_prev.shape
    H_out, W_out = (H - pool_size) // stride + 1, (W - pool_size) // stride + 1
    cols = im2col(A_prev.reshape(N * C, 1, H, W), pool_size, pool_size, padding=0, stride=stride)
    positions = cols.argmax(axis=0)
    A = cols.max(axis=0).reshape(H_out, W_out, N, C).transpose(2, 3, 0, 1)
    return A, (A_prev.shape, pool_size, stride, positions, cols.shape)
'''),
    Alternative("pool backward by assigning at the argmax", "max_pool_backward_fast", '''\
def max_pool_backward_fast(dA, cache):
    xp = backend.get_array_module(dA)
    (N, C, H, W), pool_size, stride, positions, cols_shape = cache
    dcols = xp.zeros(cols_shape, dtype=dA.dtype)
    dcols[positions, xp.arange(cols_shape[1])] = dA.transpose(2, 3, 0, 1).ravel()
    dx = col2im(dcols, (N * C, 1, H, W), pool_size, pool_size, padding=0, stride=stride)
    return dx.reshape(N, C, H, W)
'''),
    Alternative("training with array_split batches and early stopping on a counter", "cnn_model", _with_given_helpers('''\
def cnn_model(X, Y, X_val=None, Y_val=None, n_filters=8, filter_size=3, n_h=128, learning_rate=1e-3,
              lr_decay=1.0, num_epochs=10, batch_size=64, patience=3, seed=0, monitor="val_loss"):
    xp = backend.get_array_module(X)
    params = to_device_like(initialize_parameters(X.shape[1:], n_filters, filter_size, n_h, Y.shape[1], seed), X)
    rng = np.random.default_rng(seed)
    state = {}
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    best_params, best_value, bad_epochs = dict(params), None, 0
    for epoch in progress(range(num_epochs)):
        total_loss, total_correct = 0, 0
        for batch in np.array_split(rng.permutation(X.shape[0]), max(1, -(-X.shape[0] // batch_size))):
            probs, cache = forward_propagation(X[batch], params)
            total_loss = total_loss + xp.sum(-xp.log(probs[Y[batch] == 1] + 1e-8))
            total_correct = total_correct + xp.sum(xp.argmax(probs, axis=1) == xp.argmax(Y[batch], axis=1))
            params = adam_update(params, backward_propagation(probs, Y[batch], cache, params), state,
                                 learning_rate * lr_decay ** epoch)
        history["loss"].append(total_loss.item() / X.shape[0])
        history["accuracy"].append(total_correct.item() / X.shape[0])
        if X_val is not None:
            for key, value in zip(("val_loss", "val_accuracy"), evaluate(X_val, Y_val, params)):
                history[key].append(value)
        value = history["val_loss"][-1] if X_val is not None else history["loss"][-1]
        if X_val is not None and monitor == "val_accuracy":
            value = -history["val_accuracy"][-1]
        if best_value is None or value < best_value:
            best_value, bad_epochs = value, 0
            best_params = {k: xp.array(v) for k, v in params.items()}
        else:
            bad_epochs += 1
        if bad_epochs == patience:
            break
    return best_params, history
''')),
    Alternative("save each array compressed", "save_parameters", '''\
def save_parameters(parameters, path):
    host = {name: backend.to_numpy(value) for name, value in parameters.items()}
    np.savez_compressed(path, **host)
'''),
    Alternative("load with dict(np.load) and move each array", "load_parameters", '''\
def load_parameters(path):
    data = np.load(path)
    parameters = {name: backend.to_device(data[name]) for name in data.files}
    data.close()
    return parameters
'''),
]

#: The bugs typed into the demo's "buggy" submission.
DEMO_BUGS = ("col2im overwrites instead of adding", "last epoch's weights returned")
