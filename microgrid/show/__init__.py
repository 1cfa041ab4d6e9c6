"""Pictures and narration: how a recorded graph is shown to a learner.

``explain.py`` writes the notation every layer prints with (node names, a
node's formula in its parents' names, numbers) and narrates the chain rule node
by node, with the seed's nudge experiment; ``render.py`` draws the graph with
graphviz (`draw`) and the backprop flip-book (its page in
``flipbook_page.py``); ``layers.py`` reads a network's graph back as the course's
layers and ``layer_view.py`` draws it one box per layer (`draw(J, layers=True)`);
``markup.py`` escapes the text of every picture's labels; ``layout.py`` runs ``dot``
within a time limit;
``plotting.py`` is what every matplotlib picture needs; ``install_hint.py``
says which extra to install when an optional package is missing.
"""
