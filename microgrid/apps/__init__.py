"""The ways in: the ``microgrid`` command, the live explorer, the expression parser.

``cli/`` is the command (one module per subcommand); ``explorer/`` the local
page (``microgrid play``); ``widget/`` the notebook widgets (``widget(J)``,
``training_widget()``); ``notebook.py`` chooses between them for ``explore(J)``;
``expression.py`` reads ``3*(a+b*c)``
into a graph without ``eval`` (``syntax_slips.py`` says what a learner meant
when it does not parse).
"""
