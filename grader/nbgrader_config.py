"""nbgrader settings of the course: only what differs from nbgrader's defaults.

The grading tools load this file and set the course directory themselves, so it
holds no paths.
"""

c = get_config()  # noqa: F821 (provided by traitlets when the file is loaded)

# A cell that runs longer than this is interrupted (the Validate button, nbgrader's
# own autograde); `make grade` sets its own per-call time in grader.grade.
c.Execute.timeout = 60


# Feedback pages that read offline, with pending hand grades shown as pending
# (grader.feedback).
c.GenerateFeedback.exporter_class = "grader.feedback.FeedbackExporter"
c.GenerateFeedback.preprocessors = [
    "grader.feedback.GetGradesAndPending",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
