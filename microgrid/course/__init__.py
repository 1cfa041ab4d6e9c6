"""The course's models, reproduced on the engine.

``logistic/`` is logistic regression three ways (the seed's graphs of Values,
its for-loops, the vectorized NumPy form); ``networks/`` the weeks 3–4 networks
(vectorized with hand-written backward, and from `nn` Values), with course 2's
initialisations, L2, dropout and optimizers (``networks/optimization.py``);
``datasets.py`` the pictures as columns and the course's files (course 2's circles,
moons and football data in ``course2_data.py``, its ``.mat`` file read by
``matfile.py``); ``arguments.py`` the checks on X (n, m) and Y (1, m) that both
models share; ``progress.py`` the bar shown while training.
"""
