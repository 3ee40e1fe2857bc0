"""Known bugs and correct alternatives of assignment 01_mlp (see autograder.mutations)."""
from . import Alternative, Bug, tests

BUGS = [
    Bug("one-hot off by one", "one_hot_encode",
        "[np.asarray(labels)]", "[np.asarray(labels) - 1]", tests("one_hot_encode")),
    Bug("weights all equal", "initialize_parameters",
        'rng.standard_normal((n_x, n_h)) * np.sqrt(2.0 / n_x)', "np.full((n_x, n_h), 0.01)",
        # the random W2 still breaks the symmetry, so training works: only the contract catches it
        tests("initialize_parameters")),
    Bug("softmax without max subtraction", "softmax",
        "np.exp(Z - Z.max(axis=1, keepdims=True))", "np.exp(Z)", tests("softmax")),
    Bug("softmax over the wrong axis", "softmax",
        "E / E.sum(axis=1, keepdims=True)", "E / E.sum(axis=0, keepdims=True)",
        tests("softmax", "forward_propagation", "backward_propagation", "nn_model", "predict")),
    Bug("loss without 1/m", "compute_loss", ") / m)", "))", tests("compute_loss")),
    Bug("missing 1/m in backward", "backward_propagation",
        'dZ2 = (cache["A2"] - Y) / m', 'dZ2 = cache["A2"] - Y', tests("backward_propagation", "nn_model")),
    Bug("transposed weight gradient", "backward_propagation",
        'dW2 = cache["A1"].T @ dZ2', 'dW2 = dZ2.T @ cache["A1"]', tests("backward_propagation", "nn_model")),
    Bug("ReLU derivative wrong", "backward_propagation",
        'dA1 * (cache["Z1"] > 0)', 'dA1 * (cache["A1"] >= 0)', tests("backward_propagation")),
    Bug("bias gradient over the wrong axis", "backward_propagation",
        "db1 = dZ1.sum(axis=0, keepdims=True)", "db1 = dZ1.sum(axis=1, keepdims=True)",
        tests("backward_propagation", "nn_model")),
    Bug("wrong sign in the update", "update_parameters",
        "value - learning_rate", "value + learning_rate", tests("update_parameters", "nn_model")),
    Bug("one mini-batch per epoch", "nn_model",
        "range(0, m, batch_size)", "range(0, batch_size, batch_size)", tests("nn_model")),
    Bug("argmax over the batch", "predict", "np.argmax(A2, axis=1)", "np.argmax(A2, axis=0)", tests("predict")),
    Bug("confusion matrix transposed", "confusion_matrix",
        "(np.asarray(y_true), np.asarray(y_pred))", "(np.asarray(y_pred), np.asarray(y_true))",
        tests("confusion_matrix")),
    Bug("precision and recall swapped", "precision_recall",
        "predicted, actual = cm.sum(axis=0), cm.sum(axis=1)", "predicted, actual = cm.sum(axis=1), cm.sum(axis=0)",
        tests("precision_recall")),
]

ALTERNATIVES = [
    Alternative("one-hot by index assignment", "one_hot_encode", '''\
def one_hot_encode(labels, num_classes):
    Y = np.zeros((len(labels), num_classes))
    Y[np.arange(len(labels)), labels] = 1
    return Y
'''),
    Alternative("0.01 * randn with a global seed", "initialize_parameters", '''\
def initialize_parameters(n_x, n_h, n_y):
    np.random.seed(3)
    W1 = np.random.randn(n_x, n_h) * 0.01
    W2 = np.random.randn(n_h, n_y) * 0.01
    return {"W1": W1, "b1": np.ones((1, n_h)) * 0.01, "W2": W2, "b2": np.zeros((1, n_y))}
'''),
    Alternative("softmax with an epsilon and a column index", "softmax", '''\
def softmax(Z):
    shifted = Z - np.max(Z, axis=1)[:, None]
    return np.exp(shifted) / (np.sum(np.exp(shifted), axis=1)[:, None])
'''),
    Alternative("forward pass with einsum", "forward_propagation", '''\
def forward_propagation(X, parameters):
    Z1 = np.einsum("mi,ih->mh", X, parameters["W1"]) + parameters["b1"]
    A1 = relu(Z1)
    A2 = softmax(np.einsum("mh,hk->mk", A1, parameters["W2"]) + parameters["b2"])
    return A2, (Z1, A1, A2)
'''),
    Alternative("loss with log(A2 + 1e-8)", "compute_loss", '''\
def compute_loss(A2, Y):
    return -np.mean(np.sum(Y * np.log(A2 + 1e-8), axis=1))
'''),
    Alternative("backward pass with a tuple cache and einsum", "backward_propagation", '''\
def backward_propagation(parameters, cache, X, Y):
    Z1, A1, A2 = cache
    m = X.shape[0]
    dZ2 = (A2 - Y) / m
    dZ1 = np.einsum("mk,hk->mh", dZ2, parameters["W2"]) * np.where(Z1 > 0, 1.0, 0.0)
    return {"dW1": np.einsum("mi,mh->ih", X, dZ1), "db1": np.sum(dZ1, axis=0).reshape(1, -1),
            "dW2": np.einsum("mh,mk->hk", A1, dZ2), "db2": np.sum(dZ2, axis=0).reshape(1, -1)}
'''),
    Alternative("update in place", "update_parameters", '''\
def update_parameters(parameters, grads, learning_rate):
    for key in ("W1", "b1", "W2", "b2"):
        parameters[key] -= learning_rate * grads["d" + key]
    return parameters
'''),
    Alternative("precision and recall dividing with NaN then zeroing", "precision_recall", '''\
def precision_recall(cm):
    tp = np.diag(cm).astype(float)
    precision = np.nan_to_num(tp / cm.sum(axis=0))
    recall = np.nan_to_num(tp / cm.sum(axis=1))
    return precision, recall
'''),
]

#: The bugs typed into the demo's "buggy" submission.
DEMO_BUGS = ("missing 1/m in backward", "softmax over the wrong axis")
