"""formcheck's sample studio: renders exercise videos with exact ground truth.

The motions (:mod:`.motions`, :mod:`.geometry`, :mod:`.truth`) are pure numpy. Rendering
(:mod:`.body`, :mod:`.render`) needs the optional ``studio`` extra (anny, torch, pyrender,
trimesh), imported lazily only when a clip is rendered.
"""

# Motions in modules of their own add their builders to ``motions.make_motion``'s dispatch.
from formcheck_studio import motions_holds, motions_side_lunge, motions_standing  # noqa: F401
