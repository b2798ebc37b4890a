#!/bin/bash
# Ordinary media work: copy text into the clipboard (xclip -i, xsel --input, wl-copy), convert a video and an audio file with ffmpeg, play a sound (aplay) and view an image (display).
# The tools are not installed here, so each is a stand-in (a copy of /bin/true under
# /usr/local/bin, in the overlay) given the arguments the real tool would get.
set -eu
for tool in xclip xsel wl-copy ffmpeg aplay display; do
    cp /bin/true "/usr/local/bin/$tool"
done
echo "hello" > notes.txt
xclip -selection clipboard -i notes.txt
xsel --clipboard --input < notes.txt
wl-copy < notes.txt
ffmpeg -y -i talk.mp4 -c:v libx264 -crf 23 talk-small.mp4
ffmpeg -y -i song.flac -f wav song.wav
ffmpeg -y -f lavfi -i testsrc=duration=1 test.mp4
aplay -q song.wav
display shot.png
