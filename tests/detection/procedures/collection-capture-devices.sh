#!/bin/bash
# Capture what the user sees, hears and copies: read the clipboard (xclip -o, xsel, wl-paste), grab the screen (xwd -root, import -window root, ffmpeg x11grab), record the microphone (arecord, ffmpeg -f alsa) and the webcam (ffmpeg -f v4l2, fswebcam).
# None of these tools is installed here and there is no display, sound card or camera, so
# each is a stand-in (a copy of /bin/true under /usr/local/bin, in the overlay) with the real
# tool's name and arguments: the signatures key on the program and its arguments.
# technique: T1115 T1113 T1123 T1125
# expect: clipboard-read screen-capture audio-capture video-capture
set -eu
for tool in xclip xsel wl-paste xwd import arecord ffmpeg fswebcam; do
    cp /bin/true "/usr/local/bin/$tool"
done
out=$TPY_WORK/.cap
mkdir -p "$out"
xclip -selection clipboard -o > "$out/clip.txt"
xsel --clipboard --output >> "$out/clip.txt"
wl-paste --no-newline >> "$out/clip.txt"
xwd -root -silent -out "$out/screen.xwd"
import -window root "$out/screen.png"
ffmpeg -y -f x11grab -video_size 1920x1080 -i :0.0 -frames:v 1 "$out/screen2.png"
arecord -q -d 10 -f cd "$out/mic.wav"
ffmpeg -y -f alsa -i default -t 10 "$out/mic2.wav"
ffmpeg -y -f v4l2 -i /dev/video0 -frames:v 1 "$out/cam.jpg"
fswebcam -r 1280x720 --no-banner "$out/cam2.jpg"
