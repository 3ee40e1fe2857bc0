"""Recurrent networks: stepping through the time steps of an RNN (assignment 05)."""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import plots
from .core import PlotWidget

__all__ = ["RNNStepThrough"]


class RNNStepThrough(PlotWidget):
    """Step through an RNN reading a sequence: what it has read, its hidden states, its guess.

    Parameters
    ----------
    sequences : array (N, T, n_x)
        The inputs as the network takes them, e.g. MNIST digits ``(N, 28, 28)`` read one row
        per time step (NumPy or CuPy). Each sequence is also drawn as a ``(T, n_x)`` image.
    labels : array (N,) of int, or one-hot (N, C)
        True labels.
    run : callable
        ``run(x) -> (hidden, probabilities)`` for a batch ``x = sequences[i:i + 1]``:
        hidden states ``(1, T, n_a)`` and the class probabilities the network would give if
        the sequence ended after each step, ``(1, T, C)`` (the output layer applied to every
        hidden state). Called once per sequence shown.
    class_names : sequence of C str, optional
    index : int
        The sequence shown first.

    Attributes
    ----------
    sequence_slider, step_slider : ipywidgets.IntSlider
        Which sequence, and how many steps (1..T) have been read.
    index, step : int
        The current sequence and time step (1-based: ``step`` rows read).
    hidden : numpy array (T, n_a)
        Hidden states of the current sequence.
    probabilities : numpy array (T, C)
        Predicted probabilities after each step of the current sequence.
    true_label : int
    prediction : int
        The class the network would predict after ``step`` steps.
    """

    figsize = (11.0, 3.4)

    def __init__(self, sequences, labels, run, class_names=None, index=0):
        self.sequences = sequences
        self.labels = plots.core._as_labels(labels, "labels")
        if len(sequences) != len(self.labels) or len(self.labels) == 0:
            raise ValueError(f"got {len(sequences)} sequences and {len(self.labels)} labels; "
                             "they should match and not be empty")
        if len(sequences.shape) != 3:
            raise ValueError(f"sequences should have shape (N, T, n_x); got {tuple(sequences.shape)}")
        self.run = run
        self.class_names = class_names
        steps = sequences.shape[1]
        self.sequence_slider = widgets.IntSlider(value=index, min=0, max=len(self.labels) - 1,
                                                 description="sequence", continuous_update=False)
        self.step_slider = widgets.IntSlider(value=steps, min=1, max=steps, description="step")
        self.info = widgets.HTML()
        super().__init__([widgets.HBox([self.sequence_slider, self.step_slider]), self.info])
        self.sequence_slider.observe(self._on_sequence, names="value")
        self.step_slider.observe(self._on_step, names="value")
        self._load(index)

    def _load(self, i):
        """Run the network on sequence ``i`` once; moving the step slider only redraws."""
        hidden, probabilities = self.run(self.sequences[i:i + 1])
        hidden = plots.core._to_numpy(hidden).astype(float)
        probabilities = plots.core._to_numpy(probabilities).astype(float)
        steps = self.sequences.shape[1]
        if hidden.ndim != 3 or hidden.shape[:2] != (1, steps):
            raise ValueError(f"run should return hidden states of shape (1, {steps}, n_a); got {hidden.shape}")
        if probabilities.ndim != 3 or probabilities.shape[:2] != (1, steps):
            raise ValueError(f"run should return probabilities of shape (1, {steps}, n_classes); "
                             f"got {probabilities.shape}")
        self.index = int(i)
        self.true_label = int(self.labels[self.index])
        self.hidden, self.probabilities = hidden[0], probabilities[0]
        self._select_step(self.step_slider.value)

    def _select_step(self, step):
        self.step = int(step)
        self.prediction = int(np.argmax(self.probabilities[self.step - 1]))
        name = lambda k: plots.core._class_name(k, self.class_names)  # noqa: E731
        final = int(np.argmax(self.probabilities[-1]))
        self.info.value = (f"sequence {self.index}: true <b>{name(self.true_label)}</b>; after "
                           f"{self.step} of {len(self.hidden)} steps the network says "
                           f"<b>{name(self.prediction)}</b> "
                           f"({self.probabilities[self.step - 1, self.prediction]:.2f}); "
                           f"at the end it says <b>{name(final)}</b>")
        self.refresh()

    def _on_sequence(self, change):
        self._load(change["new"])

    def _on_step(self, change):
        self._select_step(change["new"])

    def draw(self, fig):
        """Rows read (left), hidden states so far (middle), prediction at this step (right)."""
        image_ax, hidden_ax, bar_ax = fig.subplots(1, 3, width_ratios=[1, 1.6, 1.6])
        image = plots.core._to_numpy(self.sequences[self.index])
        plots.plot_rows_read(image, self.step, ax=image_ax)
        plots.plot_hidden_states(self.hidden, self.step, ax=hidden_ax)
        plots.plot_probabilities(self.probabilities[self.step - 1], self.class_names,
                                 self.true_label, ax=bar_ax)
