"""Known bugs and correct alternatives of assignment 02_deep_mlp (see autograder.mutations).

Adam normalises each parameter's step by the size of its own gradients, so a gradient that
is off by a constant factor (a missing or extra 1/m) still trains: those bugs cost points
on their own function and on the functions that call it exactly, never on train_model's
checkpoint. The `breaks` sets below were established by grading each bug.
"""
from . import Alternative, Bug, tests

BUGS = [
    Bug("dense bias gradient averaged", "dense_backward",
        "dZ.sum(axis=0, keepdims=True)", "dZ.mean(axis=0, keepdims=True)",
        tests("dense_backward", "model_backward")),
    Bug("leaky ReLU derivative forgets the slope", "leaky_relu_forward",
        "np.where(Z > 0, 1.0, negative_slope)", "np.where(Z > 0, 1.0, 0.0)",
        tests("leaky_relu_forward", "model_backward")),
    Bug("PReLU slope gradient averaged over the batch", "prelu_forward",
        "dalpha = np.sum(dA * np.where(Z > 0, 0.0, Z), axis=0, keepdims=True)",
        "dalpha = np.mean(dA * np.where(Z > 0, 0.0, Z), axis=0, keepdims=True)",
        tests("prelu_forward", "model_backward")),
    Bug("ELU derivative without alpha", "elu_forward",
        "alpha * np.exp(np.minimum(Z, 0))", "np.exp(np.minimum(Z, 0))",
        # SELU is built on ELU with alpha = 1.67, so SELU and the model's gradients break too
        tests("elu_forward", "selu_forward", "model_backward")),
    Bug("SELU with rounded constants", "selu_forward",
        "scale, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717",
        "scale, alpha = 1.05, 1.67", tests("selu_forward", "model_forward")),
    Bug("He initialisation scaled by the fan-out", "he_init",
        "np.sqrt(2.0 / n_in)", "np.sqrt(2.0 / n_out)",
        # the first layer (784 inputs, 32 outputs) starts five times too large: the short training runs fall short
        tests("he_init", "init_for", "build_model", "train_model")),
    Bug("SELU initialised like ReLU", "init_for",
        'if activation == "selu":\n        return lecun_init', 'if activation == "selu":\n        return he_init',
        tests("init_for", "build_model")),
    Bug("MSE gradient skips the softmax", "softmax_mse",
        "dZ = A * (dA - np.sum(dA * A, axis=1, keepdims=True))", "dZ = dA",
        # train_model's MSE run then ends an epoch far from the reference's validation loss
        tests("softmax_mse", "train_model")),
    Bug("cross-entropy gradient without 1/m", "softmax_cross_entropy",
        "(np.exp(log_A) - Y) / m", "(np.exp(log_A) - Y)", tests("softmax_cross_entropy", "model_backward")),
    Bug("momentum with a (1 - beta) factor", "momentum_update",
        'beta * velocity[k] + grads["d" + k]', 'beta * velocity[k] + (1 - beta) * grads["d" + k]',
        tests("momentum_update")),
    Bug("Adam without bias correction", "adam_update",
        "m_hat = m[k] / (1 - beta1 ** t)\n        v_hat = v[k] / (1 - beta2 ** t)",
        "m_hat = m[k]\n        v_hat = v[k]", tests("adam_update")),
    Bug("early stopping keeps the live parameters, not a copy", "early_stopping_update",
        "best_params = {k: np.array(v, copy=True) for k, v in params.items()}", "best_params = params",
        tests("early_stopping_update")),
    Bug("early stopping waits one epoch too many", "early_stopping_update",
        'return state, state["wait"] >= patience', 'return state, state["wait"] > patience',
        tests("early_stopping_update", "train_model")),
    Bug("build_model forgets the PReLU slopes", "build_model",
        'if activation == "prelu":\n            params[f"alpha{l}"] = np.full((1, n_out), 0.25)', "pass",
        # the visible tests of model_backward and model_summary build their models with build_model
        tests("build_model", "model_backward", "model_summary", "train_model")),
    Bug("model_summary counts weights only", "model_summary",
        'for k in (f"W{l}", f"b{l}", f"alpha{l}")', 'for k in (f"W{l}",)', tests("model_summary")),
    Bug("training never restores the best parameters", "train_model",
        'params, history["best_epoch"] = stopping["best_params"], stopping["best_epoch"]',
        'history["best_epoch"] = stopping["best_epoch"]', tests("train_model")),
    Bug("the learning rate never decays", "train_model",
        "epoch_rate = learning_rate * lr_decay ** epoch", "epoch_rate = learning_rate", tests("train_model")),
    Bug("early stopping watches the loss whatever the monitor", "train_model",
        '"val_accuracy": 1.0 - history["val_accuracy"][-1]}[monitor]', '"val_accuracy": val_loss}[monitor]',
        tests("train_model")),
]

ALTERNATIVES = [
    Alternative("dense layer with a dict cache and einsum", "dense_forward", '''\
def dense_forward(A_prev, W, b):
    return np.einsum("mi,in->mn", A_prev, W) + b, {"A_prev": A_prev, "W": W}
'''),
    Alternative("dense backward reading the dict cache", "dense_backward", '''\
def dense_backward(dZ, cache):
    dW = np.einsum("mi,mn->in", cache["A_prev"], dZ)
    return np.dot(dZ, cache["W"].T), dW, np.sum(dZ, axis=0).reshape(1, -1)
'''),
    Alternative("ReLU caching its output", "relu_forward", '''\
def relu_forward(Z):
    A = Z * (Z > 0)
    return A, A

def relu_backward(dA, cache):
    return np.where(cache > 0, dA, 0.0)
'''),
    Alternative("leaky ReLU with a mask", "leaky_relu_forward", '''\
def leaky_relu_forward(Z, negative_slope=0.01):
    mask = Z > 0
    return Z * mask + negative_slope * Z * ~mask, {"mask": mask, "slope": negative_slope}

def leaky_relu_backward(dA, cache):
    return dA * (cache["mask"] + cache["slope"] * ~cache["mask"])
'''),
    Alternative("PReLU with masks", "prelu_forward", '''\
def prelu_forward(Z, alpha):
    negative = Z <= 0
    return Z + (alpha - 1) * Z * negative, (Z, alpha, negative)

def prelu_backward(dA, cache):
    Z, alpha, negative = cache
    return dA * np.where(negative, alpha, 1), (dA * Z * negative).sum(axis=0, keepdims=True)
'''),
    Alternative("ELU caching its output, exp clipped", "elu_forward", '''\
def elu_forward(Z, alpha=1.0):
    A = np.where(Z > 0, Z, alpha * (np.exp(np.clip(Z, -50, 0)) - 1))
    return A, (Z, A, alpha)

def elu_backward(dA, cache):
    Z, A, alpha = cache
    return dA * np.where(Z > 0, 1.0, A + alpha)
'''),
    Alternative("SELU written out", "selu_forward", '''\
def selu_forward(Z):
    lam, alpha = 1.0507009873554805, 1.6732632423543772
    return lam * np.where(Z > 0, Z, alpha * (np.exp(np.minimum(Z, 0)) - 1)), Z

def selu_backward(dA, cache):
    lam, alpha = 1.0507009873554805, 1.6732632423543772
    return dA * lam * np.where(cache > 0, 1.0, alpha * np.exp(np.minimum(cache, 0)))
'''),
    Alternative("uniform initialisers with the same variance", "he_init", '''\
def he_init(n_in, n_out, rng):
    limit = np.sqrt(6.0 / n_in)
    return rng.uniform(-limit, limit, size=(n_in, n_out))

def xavier_init(n_in, n_out, rng):
    limit = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit, size=(n_in, n_out))

def lecun_init(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_in, n_out))
'''),
    Alternative("init_for with a dict", "init_for", '''\
def init_for(activation):
    table = {"relu": he_init, "leaky_relu": he_init, "prelu": he_init, "elu": he_init, "selu": lecun_init,
             "softmax": xavier_init, "sigmoid": xavier_init, "tanh": xavier_init}
    if activation not in table:
        raise ValueError(activation)
    return table[activation]
'''),
    Alternative("MSE through the softmax Jacobian with einsum", "softmax_mse", '''\
def softmax_mse(Z, Y):
    A = softmax(Z)
    m, K = Y.shape
    dA = 2 * (A - Y) / (m * K)
    J = np.einsum("mi,ij->mij", A, np.eye(K)) - np.einsum("mi,mj->mij", A, A)
    return np.sum((A - Y) ** 2) / (m * K), np.einsum("mij,mi->mj", J, dA)
'''),
    Alternative("cross-entropy with a clipped log", "softmax_cross_entropy", '''\
def softmax_cross_entropy(Z, Y):
    A = softmax(Z)
    loss = -np.mean(np.sum(Y * np.log(np.clip(A, 1e-12, None)), axis=1))
    return loss, (A - Y) / len(Y)
'''),
    Alternative("SGD in place", "sgd_update", '''\
def sgd_update(params, grads, state, learning_rate):
    for name in params:
        params[name] -= learning_rate * grads["d" + name]
    return params, state
'''),
    Alternative("momentum as velocity = beta v - lr g (Keras form)", "momentum_update", '''\
def momentum_update(params, grads, state, learning_rate, beta=0.9):
    if not state:
        state = {name: np.zeros_like(value) for name, value in params.items()}
    for name in params:
        state[name] = beta * state[name] - learning_rate * grads["d" + name]
        params[name] = params[name] + state[name]
    return params, state
'''),
    Alternative("Adam in place with a flat state", "adam_update", '''\
def adam_update(params, grads, state, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    if "t" not in state:
        state["t"] = 0
        for name in params:
            state["m_" + name] = np.zeros_like(params[name])
            state["v_" + name] = np.zeros_like(params[name])
    state["t"] += 1
    t = state["t"]
    step = learning_rate * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    for name in params:
        g = grads["d" + name]
        state["m_" + name] = beta1 * state["m_" + name] + (1 - beta1) * g
        state["v_" + name] = beta2 * state["v_" + name] + (1 - beta2) * g * g
        params[name] = params[name] - step * state["m_" + name] / (np.sqrt(state["v_" + name]) + eps * np.sqrt(1 - beta2 ** t))
    return params, state
'''),
    Alternative("early stopping updating its state in place", "early_stopping_update", '''\
def early_stopping_update(state, val_loss, params, patience=5, min_delta=0.0):
    if not state:
        state.update(best_loss=float("inf"), best_epoch=-1, best_params=None, losses=[])
    state["losses"].append(val_loss)
    epoch = len(state["losses"]) - 1
    if state["best_loss"] - val_loss > min_delta:
        state["best_loss"], state["best_epoch"] = val_loss, epoch
        state["best_params"] = {name: value.copy() for name, value in params.items()}
    return state, epoch - state["best_epoch"] >= patience
'''),
    Alternative("model with dict caches", "model_forward", '''\
def model_forward(X, params, layer_specs):
    caches = []
    A = X
    for i, (width, act) in enumerate(layer_specs):
        l = i + 1
        Z, dc = dense_forward(A, params["W" + str(l)], params["b" + str(l)])
        if act == "relu":
            A, ac = relu_forward(Z)
        elif act == "leaky_relu":
            A, ac = leaky_relu_forward(Z)
        elif act == "prelu":
            A, ac = prelu_forward(Z, params["alpha" + str(l)])
        elif act == "elu":
            A, ac = elu_forward(Z)
        else:
            A, ac = selu_forward(Z)
        caches.append({"dense": dc, "act": ac, "name": act})
    L = len(layer_specs) + 1
    Z, dc = dense_forward(A, params["W" + str(L)], params["b" + str(L)])
    caches.append({"dense": dc})
    return Z, caches
'''),
    Alternative("model backward reading dict caches", "model_backward", '''\
def model_backward(dZ, caches, layer_specs):
    grads = {}
    L = len(caches)
    dA, grads["dW" + str(L)], grads["db" + str(L)] = dense_backward(dZ, caches[-1]["dense"])
    for l in reversed(range(1, L)):
        c = caches[l - 1]
        if c["name"] == "prelu":
            dZ, grads["dalpha" + str(l)] = prelu_backward(dA, c["act"])
        elif c["name"] == "relu":
            dZ = relu_backward(dA, c["act"])
        elif c["name"] == "leaky_relu":
            dZ = leaky_relu_backward(dA, c["act"])
        elif c["name"] == "elu":
            dZ = elu_backward(dA, c["act"])
        else:
            dZ = selu_backward(dA, c["act"])
        dA, grads["dW" + str(l)], grads["db" + str(l)] = dense_backward(dZ, c["dense"])
    return grads
'''),
    Alternative("summary without thousands separators", "model_summary", '''\
def model_summary(params, layer_specs):
    total = 0
    for l in range(1, len(layer_specs) + 2):
        n = params["W%d" % l].size + params["b%d" % l].size + params.get("alpha%d" % l, np.zeros(0)).size
        total += n
        print("dense_%d  (None, %d)  %d" % (l, params["W%d" % l].shape[1], n))
    print("Total params:", total)
    return total
'''),
    Alternative("training with array_split batches and a running learning rate", "train_model", '''\
def train_model(X, Y, X_val, Y_val, layer_specs, loss="cross_entropy", optimizer="adam", learning_rate=1e-3,
                epochs=10, batch_size=64, early_stopping=None, seed=0, lr_decay=1.0):
    params = build_model(layer_specs, X.shape[1], Y.shape[1], seed)
    rng = np.random.default_rng(seed)
    state, stopping, rate = {}, {}, learning_rate
    history = {"loss": [], "val_loss": [], "val_accuracy": []}
    for epoch in progress(range(epochs)):
        losses = []
        for batch in np.array_split(rng.permutation(len(X)), int(np.ceil(len(X) / batch_size))):
            Z, caches = model_forward(X[batch], params, layer_specs)
            if loss == "mse":
                value, dZ = softmax_mse(Z, Y[batch])
            else:
                value, dZ = softmax_cross_entropy(Z, Y[batch])
            losses.append(value)
            grads = model_backward(dZ, caches, layer_specs)
            if optimizer == "sgd":
                params, state = sgd_update(params, grads, state, rate)
            elif optimizer == "momentum":
                params, state = momentum_update(params, grads, state, rate)
            else:
                params, state = adam_update(params, grads, state, rate)
        rate = rate * lr_decay
        Z_val = model_forward(X_val, params, layer_specs)[0]
        val = softmax_mse(Z_val, Y_val)[0] if loss == "mse" else softmax_cross_entropy(Z_val, Y_val)[0]
        history["loss"].append(np.mean(losses))
        history["val_loss"].append(val)
        history["val_accuracy"].append(np.mean(np.argmax(Z_val, 1) == np.argmax(Y_val, 1)))
        if early_stopping:
            if early_stopping.get("monitor") == "val_accuracy":
                val = 1 - history["val_accuracy"][-1]
            stopping, stop = early_stopping_update(stopping, val, params, early_stopping["patience"],
                                                   early_stopping["min_delta"])
            if stop:
                break
    if early_stopping:
        params = stopping["best_params"]
        history["best_epoch"] = stopping["best_epoch"]
    return params, history
'''),
]

#: The bugs typed into the demo's "buggy" submission.
DEMO_BUGS = ("Adam without bias correction", "early stopping keeps the live parameters, not a copy")
