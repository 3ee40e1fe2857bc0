"""Hidden checks without nbgrader: the reference passes them and their failures read as messages."""
import pytest

import autograder.hidden as hidden
from autograder import reference
from autograder.hidden import HiddenTestFailed
from autograder.mutations import bugs, with_alternatives
from autograder.paths import assignments
from autograder.samples import reference_sources

CASES = [(a, name) for a in assignments() for name in sorted(hidden.checks_module(a).CHECKS)]
BUG_CASES = [(a, bug) for a in assignments() for bug in bugs(a)]


def namespace_from(assignment: str, sources: dict) -> dict:
    """Execute solution-cell sources the way a student's kernel would: imports cell first, one namespace."""
    ns = {}
    exec(reference.imports_source(reference.read_solutions(assignment)), ns)
    for source in sources.values():
        exec(source, ns)
    return ns


@pytest.mark.parametrize("assignment", assignments())
def test_every_graded_function_has_a_hidden_check(assignment):
    solved = set(reference_sources(assignment))
    assert set(hidden.checks_module(assignment).CHECKS) == solved


@pytest.mark.parametrize("assignment, name", CASES)
def test_reference_passes_its_hidden_check(assignment, name):
    hidden.check(assignment, name, namespace_from(assignment, reference_sources(assignment)))


@pytest.mark.parametrize("assignment, bug", BUG_CASES, ids=lambda x: getattr(x, "name", x))
def test_each_bug_fails_its_own_hidden_check(assignment, bug):
    ns = namespace_from(assignment, bug.apply(reference_sources(assignment)))
    with pytest.raises(HiddenTestFailed) as failure:
        hidden.check(assignment, bug.function, ns)
    assert failure.value._render_traceback_()[0] == f"Hidden test of {bug.function} failed:"


@pytest.mark.parametrize("assignment, name", CASES)
def test_correct_alternatives_pass_every_hidden_check(assignment, name):
    hidden.check(assignment, name, namespace_from(assignment, with_alternatives(assignment, reference_sources(assignment))))


def _message(bug_name, function, assignment="01_mlp"):
    bug = next(b for b in bugs(assignment) if b.name == bug_name)
    with pytest.raises(HiddenTestFailed) as failure:
        hidden.check(assignment, function, namespace_from(assignment, bug.apply(reference_sources(assignment))))
    return str(failure.value)


def test_messages_name_the_mistake():
    assert "times too large, the batch size" in _message("missing 1/m in backward", "backward_propagation")
    assert "columns sum to 1" in _message("softmax over the wrong axis", "softmax")
    assert "NaN or inf" in _message("softmax without max subtraction", "softmax")
    assert "transposed" in _message("transposed weight gradient", "backward_propagation")
    assert "wrong axis" in _message("bias gradient over the wrong axis", "backward_propagation")
    assert "one column off" in _message("one-hot off by one", "one_hot_encode")
    assert "checkpoint accuracy" in _message("one mini-batch per epoch", "nn_model")


def test_a_stub_and_a_crash_become_messages():
    ns = namespace_from("01_mlp", reference_sources("01_mlp"))
    exec("def relu(Z):\n    raise NotImplementedError()", ns)
    with pytest.raises(HiddenTestFailed, match="relu is not implemented yet"):
        hidden.check("01_mlp", "relu", ns)
    exec("def relu(Z):\n    return Z.reshape(-1, 2)", ns)
    with pytest.raises(HiddenTestFailed, match=r"relu\(array\(7,\)\) raised ValueError"):
        hidden.check("01_mlp", "relu", ns)
    with pytest.raises(HiddenTestFailed, match="sigmoid is not defined"):
        hidden.check("01_mlp", "sigmoid", {})


def test_hard_coded_answer_fails_hidden_but_passes_visible_example():
    ns = namespace_from("01_mlp", reference_sources("01_mlp"))
    # Fits the visible example of confusion_matrix exactly, and nothing else.
    exec("def confusion_matrix(y_true, y_pred, num_classes):\n    return np.array([[1, 1, 0], [0, 1, 0], [1, 0, 2]])", ns)
    with pytest.raises(HiddenTestFailed, match="has shape"):
        hidden.check("01_mlp", "confusion_matrix", ns)
