"""formcheck's sample studio: renders exercise videos with exact ground truth.

The motions (:mod:`.motions`, :mod:`.geometry`, :mod:`.truth`) are pure numpy. Rendering
(:mod:`.body`, :mod:`.render`) needs the optional ``studio`` extra (anny, torch, pyrender,
trimesh), imported lazily only when a clip is rendered.
"""
