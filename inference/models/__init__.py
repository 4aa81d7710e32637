from inference.models.disagreement import *  # noqa: F403
from inference.models.evaluation import *  # noqa: F403
from inference.models.learning_curve import *  # noqa: F403
from inference.models.model_import import *  # noqa: F403
from inference.models.prediction import *  # noqa: F403
from inference.models.proposals import *  # noqa: F403
from inference.models.rounds import *  # noqa: F403
from inference.models.training import *  # noqa: F403
