#!/bin/bash
# Everyday git: init, commit, branch, merge, clone over the local transport, log and gc.
set -eu
export GIT_AUTHOR_NAME=dev GIT_AUTHOR_EMAIL=dev@example.invalid
export GIT_COMMITTER_NAME=dev GIT_COMMITTER_EMAIL=dev@example.invalid
git init -q -b main project
cd project
echo "first" > notes.txt
git add notes.txt
git commit -q -m "first"
git switch -q -c feature
echo "second" >> notes.txt
git commit -q -am "second"
git switch -q main
git merge -q --no-edit feature
git log --oneline
cd ..
git clone -q --no-local project copy
git -C copy log --oneline -1
git -C project gc -q
