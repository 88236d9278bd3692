"""Administration in the app's own pages (issue 17, item 9): users with their roles and scope,
and a program's settings. It sits in the programs app because a user's scope names clients
and programs, which ``accounts`` (below ``programs`` on the ladder) may not read."""
