"""Known bugs and correct alternatives of assignment 05_rnn_bptt (see autograder.mutations)."""
from . import Alternative, Bug, tests

BUGS = [
    Bug("naive 0.01 initialisation", "initialize_parameters_rnn",
        'rng.standard_normal((n_a, n_a)) * np.sqrt(1.0 / n_a)', "rng.standard_normal((n_a, n_a)) * 0.01",
        # The lesson of section 5, seen by the grader: with gradients vanishing through the
        # small W_aa, the visible training run of rnn_model stays below its 40% (the hidden
        # checkpoint, on 4x the data, still passes).
        tests("initialize_parameters_rnn", "rnn_model")),
    Bug("bias not transposed in the cell", "rnn_cell_forward",
        '+ parameters["b_a"].T)', '+ parameters["b_a"])',
        tests("rnn_cell_forward", "rnn_forward", "rnn_cell_backward", "rnn_backward", "predict_rnn", "rnn_model")),
    Bug("softmax over the wrong axis", "rnn_forward",
        "e / e.sum(axis=1, keepdims=True)", "e / e.sum(axis=0, keepdims=True)",
        tests("rnn_forward", "rnn_backward", "predict_rnn", "rnn_model")),
    Bug("loss without 1/m", "compute_loss_rnn", ") / m)", "))", tests("compute_loss_rnn")),
    Bug("missing tanh derivative", "rnn_cell_backward",
        "dz = da_next * (1 - a_next ** 2)", "dz = da_next",
        tests("rnn_cell_backward", "rnn_backward", "rnn_model")),
    Bug("gradients not accumulated across time", "rnn_backward",
        'grads["d" + name] = grads["d" + name] + step["d" + name]', 'grads["d" + name] = step["d" + name]',
        tests("rnn_backward", "rnn_model")),
    Bug("wrong time order in BPTT", "rnn_backward",
        "for cache in reversed(caches):", "for cache in caches:",
        tests("rnn_backward", "rnn_model")),
    Bug("missing 1/m in backward", "rnn_backward",
        "dz = (y_pred - y_true) / m", "dz = y_pred - y_true",
        # Training survives it: gradients m times too large are clipped back to max_norm,
        # so only the gradient check catches it.
        tests("rnn_backward")),
    Bug("clipping by element", "clip_gradients",
        "return {name: g * scale for name, g in grads.items()}",
        "return {name: xp.clip(g, -max_norm, max_norm) for name, g in grads.items()}",
        # Elements rarely exceed max_norm, so this barely clips: the checkpoint's learning rate
        # then overshoots and training stalls below the threshold.
        tests("clip_gradients", "rnn_model")),
    Bug("wrong sign in the update", "update_parameters_rnn",
        "value - learning_rate", "value + learning_rate", tests("update_parameters_rnn", "rnn_model")),
    Bug("argmax over the batch", "predict_rnn",
        "xp.argmax(y_pred, axis=1)", "xp.argmax(y_pred, axis=0)", tests("predict_rnn")),
    Bug("learning rate never decays", "rnn_model",
        "rate = learning_rate * lr_decay ** epoch", "rate = learning_rate", tests("rnn_model")),
    Bug("last parameters instead of the best", "rnn_model",
        "return best, history", "return parameters, history", tests("rnn_model")),
]

ALTERNATIVES = [
    Alternative("Xavier with a global seed and division by the square root", "initialize_parameters_rnn", '''\
def initialize_parameters_rnn(n_x, n_a, n_y):
    np.random.seed(7)
    W_ax = np.random.randn(n_a, n_x) / np.sqrt(n_x)
    W_aa = np.random.randn(n_a, n_a) / np.sqrt(n_a)
    W_ya = np.random.randn(n_y, n_a) / np.sqrt(n_a)
    return {"W_ax": W_ax, "W_aa": W_aa, "b_a": np.zeros((n_a, 1)), "W_ya": W_ya, "b_y": np.zeros((n_y, 1))}
'''),
    Alternative("cell with column vectors and a dict cache", "rnn_cell_forward", '''\
def rnn_cell_forward(xt, a_prev, parameters):
    xp = get_array_module(xt)
    z = parameters["W_ax"] @ xt.T + parameters["W_aa"] @ a_prev.T + parameters["b_a"]   # (n_a, m)
    a_next = xp.tanh(z).T
    return a_next, {"a_next": a_next, "a_prev": a_prev, "xt": xt, "parameters": parameters}
'''),
    Alternative("forward stacking a list of states, caches with the input", "rnn_forward", '''\
def rnn_forward(x, a0, parameters):
    xp = get_array_module(x)
    states, cell_caches = [], []
    a_t = a0
    for t in range(x.shape[1]):
        a_t, cache = rnn_cell_forward(x[:, t, :], a_t, parameters)
        states.append(a_t)
        cell_caches.append(cache)
    scores = a_t @ parameters["W_ya"].T + parameters["b_y"].T
    scores = scores - xp.max(scores, axis=1)[:, None]
    y_pred = xp.exp(scores) / xp.sum(xp.exp(scores), axis=1)[:, None]
    return y_pred, xp.stack(states, axis=1), (cell_caches, x)
'''),
    Alternative("loss with log(y + 1e-8)", "compute_loss_rnn", '''\
def compute_loss_rnn(y_pred, y_true):
    xp = get_array_module(y_pred)
    return float(-xp.mean(xp.sum(y_true * xp.log(y_pred + 1e-8), axis=1)))
'''),
    Alternative("cell backward with einsum from the dict cache", "rnn_cell_backward", '''\
def rnn_cell_backward(da_next, cache):
    xp = get_array_module(da_next)
    dz = da_next * (1 - cache["a_next"] * cache["a_next"])
    return {"dW_ax": xp.einsum("ma,mx->ax", dz, cache["xt"]),
            "dW_aa": xp.einsum("ma,mb->ab", dz, cache["a_prev"]),
            "db_a": xp.sum(dz, axis=0).reshape(-1, 1),
            "da_prev": xp.einsum("ma,ab->mb", dz, cache["parameters"]["W_aa"])}
'''),
    Alternative("BPTT with an index loop and in-place sums", "rnn_backward", '''\
def rnn_backward(y_pred, y_true, a, caches):
    xp = get_array_module(y_pred)
    cell_caches, x = caches
    parameters = cell_caches[0]["parameters"]
    m, T_x = x.shape[0], x.shape[1]
    dz = (y_pred - y_true) / m
    dW_ya = dz.T @ a[:, T_x - 1, :]
    db_y = xp.sum(dz, axis=0, keepdims=True).T
    dW_ax, dW_aa, db_a = (xp.zeros(parameters[k].shape) for k in ("W_ax", "W_aa", "b_a"))
    da = dz @ parameters["W_ya"]
    for t in range(T_x - 1, -1, -1):
        g = rnn_cell_backward(da, cell_caches[t])
        dW_ax += g["dW_ax"]
        dW_aa += g["dW_aa"]
        db_a += g["db_a"]
        da = g["da_prev"]
    return {"dW_ya": dW_ya, "db_y": db_y, "dW_ax": dW_ax, "dW_aa": dW_aa, "db_a": db_a}
'''),
    Alternative("clipping with one concatenated vector and an if", "clip_gradients", '''\
def clip_gradients(grads, max_norm):
    xp = get_array_module(*grads.values())
    norm = xp.linalg.norm(xp.concatenate([g.ravel() for g in grads.values()]))
    if norm > max_norm:
        return {k: g * (max_norm / norm) for k, g in grads.items()}
    return dict(grads)
'''),
    Alternative("update in place", "update_parameters_rnn", '''\
def update_parameters_rnn(parameters, grads, learning_rate):
    for key in ("W_ax", "W_aa", "b_a", "W_ya", "b_y"):
        parameters[key] -= learning_rate * grads["d" + key]
    return parameters
'''),
    Alternative("training with array_split batches, stopping on a counter", "rnn_model", '''\
def rnn_model(X, Y, X_val, Y_val, n_a, learning_rate, num_epochs, batch_size,
              max_norm=1.0, patience=5, lr_decay=1.0, initializer=None, seed=0):
    import copy
    xp = get_array_module(X)
    init = initializer if initializer is not None else initialize_parameters_rnn
    params = {k: xp.asarray(v) for k, v in init(X.shape[2], n_a, Y.shape[1]).items()}
    rng = np.random.default_rng(seed + 123)
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    best_params, best_val, bad_epochs = copy.deepcopy(params), None, 0
    n_batches = max(1, int(np.ceil(X.shape[0] / batch_size)))
    for epoch in progress(range(num_epochs)):
        losses, right, seen = 0.0, 0, 0
        for idx in np.array_split(rng.permutation(X.shape[0]), n_batches):
            y_pred, a, caches = rnn_forward(X[idx], xp.zeros((len(idx), n_a)), params)
            losses += compute_loss_rnn(y_pred, Y[idx]) * len(idx)
            right += int(xp.sum(xp.argmax(y_pred, 1) == xp.argmax(Y[idx], 1)))
            seen += len(idx)
            grads = rnn_backward(y_pred, Y[idx], a, caches)
            if max_norm:
                grads = clip_gradients(grads, max_norm)
            params = update_parameters_rnn(params, grads, learning_rate * lr_decay ** epoch)
        probs = rnn_forward(X_val, xp.zeros((X_val.shape[0], n_a)), params)[0]
        val_loss = compute_loss_rnn(probs, Y_val)
        history["loss"].append(losses / seen)
        history["accuracy"].append(right / seen)
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(float(xp.mean(xp.argmax(probs, 1) == xp.argmax(Y_val, 1))))
        if best_val is None or val_loss < best_val:
            best_val, best_params, bad_epochs = val_loss, copy.deepcopy(params), 0
        else:
            bad_epochs += 1
        if bad_epochs == patience:
            break
    return best_params, history
'''),
]

#: The bugs typed into the demo's "buggy" submission.
DEMO_BUGS = ("missing tanh derivative", "gradients not accumulated across time")
