"""The course's nbgrader configuration, shared by the release and by grading."""

from traitlets.config import PyFileConfigLoader

from . import CONFIG, use_tools_of_this_python


def course_config(root):
    """The course's nbgrader configuration (``grader/nbgrader_config.py``), with the
    course directory set to ``root``.

    Every use of nbgrader's API starts here, and its Gradebook runs the ``alembic``
    command: this Python's tools go first on ``PATH``.
    """
    use_tools_of_this_python()
    config = PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()
    config.CourseDirectory.root = str(root)
    config.NbGraderAPI.log_level = "WARN"
    return config
