"""The course around the notebooks: curriculum, glossary, quizzes and the exercises' checkers."""
