"""What users touch: the storycoach CLI and its batch, the app's workspace, reading notes files,
and the renderers (the JSON contract, Markdown, exports) that all of them use.

May import everything below it; nothing in the package imports it.
"""
