"""Hidden checks without nbgrader: the reference passes them and their failures read as messages."""
import numpy as np
import pytest

import autograder.hidden as hidden
from autograder import reference
from autograder.hidden import HiddenTestFailed, mlp
from autograder.mutations import ALTERNATIVES, BUGS
from autograder.samples import reference_sources


def namespace_from(sources: dict) -> dict:
    """Execute solution-cell sources the way a student's kernel would, in one namespace."""
    ns = {"np": np, "progress": lambda it=None, **kw: it}
    for source in sources.values():
        exec(source, ns)
    return ns


@pytest.fixture(scope="module")
def ref_sources():
    return reference_sources("01_mlp")


def test_reference_loads_every_graded_function():
    ref = reference.load("01_mlp")
    assert set(mlp.CHECKS) <= set(vars(ref))


@pytest.mark.parametrize("name", sorted(mlp.CHECKS))
def test_reference_passes_its_hidden_check(name, ref_sources):
    hidden.check("01_mlp", name, namespace_from(ref_sources))


@pytest.mark.parametrize("bug", [b for b in BUGS["01_mlp"]], ids=lambda b: b.name)
def test_each_bug_fails_its_own_hidden_check(bug, ref_sources):
    ns = namespace_from(bug.apply(ref_sources))
    with pytest.raises(HiddenTestFailed) as failure:
        hidden.check("01_mlp", bug.function, ns)
    assert failure.value._render_traceback_()[0] == f"Hidden test of {bug.function} failed:"


def all_alternatives(sources):
    # Applied together: the tuple-cache backward pass goes with the einsum forward pass.
    for alternative in ALTERNATIVES["01_mlp"]:
        sources = alternative.apply(sources)
    return sources


@pytest.mark.parametrize("alternative", ALTERNATIVES["01_mlp"], ids=lambda a: a.name)
def test_alternative_passes_its_hidden_check(alternative, ref_sources):
    hidden.check("01_mlp", alternative.function, namespace_from(all_alternatives(ref_sources)))


def test_messages_name_the_mistake(ref_sources):
    def message(bug_name, function):
        bug = next(b for b in BUGS["01_mlp"] if b.name == bug_name)
        with pytest.raises(HiddenTestFailed) as failure:
            hidden.check("01_mlp", function, namespace_from(bug.apply(ref_sources)))
        return str(failure.value)

    assert "times too large, the batch size" in message("missing 1/m in backward", "backward_propagation")
    assert "columns sum to 1" in message("softmax over the wrong axis", "softmax")
    assert "NaN or inf" in message("softmax without max subtraction", "softmax")
    assert "transposed" in message("transposed weight gradient", "backward_propagation")
    assert "wrong axis" in message("bias gradient over the wrong axis", "backward_propagation")
    assert "one column off" in message("one-hot off by one", "one_hot_encode")
    assert "checkpoint accuracy" in message("one mini-batch per epoch", "nn_model")


def test_a_stub_and_a_crash_become_messages(ref_sources):
    ns = namespace_from(ref_sources)
    exec("def relu(Z):\n    raise NotImplementedError()", ns)
    with pytest.raises(HiddenTestFailed, match="relu is not implemented yet"):
        hidden.check("01_mlp", "relu", ns)
    exec("def relu(Z):\n    return Z.reshape(-1, 2)", ns)
    with pytest.raises(HiddenTestFailed, match=r"relu\(array\(7,\)\) raised ValueError"):
        hidden.check("01_mlp", "relu", ns)
    with pytest.raises(HiddenTestFailed, match="sigmoid is not defined"):
        hidden.check("01_mlp", "sigmoid", {})


def test_hard_coded_answer_fails_hidden_but_passes_visible_example(ref_sources):
    ns = namespace_from(ref_sources)
    # Fits the visible example of confusion_matrix exactly, and nothing else.
    exec("def confusion_matrix(y_true, y_pred, num_classes):\n    return np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])", ns)
    with pytest.raises(HiddenTestFailed, match="has shape"):
        hidden.check("01_mlp", "confusion_matrix", ns)
