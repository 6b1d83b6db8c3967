// "Read aloud" for a lesson's transcript: the browser's own speech synthesis, with a voice that
// the browser says runs on the device (SpeechSynthesisVoice.localService), so the words are not
// sent anywhere. No recording exists and none is promised. Without speech synthesis, or without
// an English voice on the device, the control stays hidden (it is rendered with `hidden`), and
// the lesson reads as it always did. No inline script: the CSP forbids it.
(function () {
  "use strict";

  var RATE = 0.9; // a little slower than the default: these are calming practices
  var PAUSE_MS = 2500; // "(pause)" in a transcript
  var LONG_PAUSE_MS = 6000; // "(long pause)"
  var MARKER = /\((long )?pause\)/gi;
  var SENTENCE = /[^.!?…]+(?:[.!?…]+["'”’)\]]*|$)\s*/g;

  var box = document.querySelector("[data-read-aloud]");
  var source = document.querySelector("[data-read-aloud-text]");
  var synth = window.speechSynthesis;
  if (!box || !source || !synth || typeof synth.speak !== "function" ||
      typeof window.SpeechSynthesisUtterance !== "function") {
    return;
  }
  var play = box.querySelector("[data-read-aloud-play]");
  var stop = box.querySelector("[data-read-aloud-stop]");
  var status = box.querySelector("[data-read-aloud-status]");
  var lang = (document.documentElement.lang || "en").toLowerCase().split("-")[0];

  // The transcript as a queue of steps: words to say (with the block they come from, to mark
  // it while it is read) and rests where the transcript says to pause.
  function steps() {
    var queue = [];
    var blocks = source.querySelectorAll("p, li, blockquote, h3, h4, dd, dt");
    Array.prototype.forEach.call(blocks, function (block) {
      if (block.querySelector("p, li")) {
        return; // a list or quote whose own paragraphs are read one by one
      }
      var text = block.textContent.replace(/\s+/g, " ");
      var last = 0;
      var match;
      MARKER.lastIndex = 0;
      while ((match = MARKER.exec(text)) !== null) {
        say(queue, text.slice(last, match.index), block);
        queue.push({ rest: match[1] ? LONG_PAUSE_MS : PAUSE_MS });
        last = match.index + match[0].length;
      }
      say(queue, text.slice(last), block);
    });
    return queue;
  }

  function say(queue, text, block) {
    // One utterance a sentence: some browsers cut a long utterance off after a few seconds,
    // and a pause resumes from the start of the sentence it stopped in.
    (text.match(SENTENCE) || []).forEach(function (sentence) {
      if (/\w/.test(sentence)) {
        queue.push({ text: sentence.trim(), block: block });
      }
    });
  }

  function localVoice() {
    var voices = synth.getVoices().filter(function (voice) {
      return voice.localService && voice.lang.toLowerCase().split(/[-_]/)[0] === lang;
    });
    var preferred = voices.filter(function (voice) { return voice["default"]; });
    return preferred[0] || voices[0] || null;
  }

  var queue = [];
  var at = 0; // the step to say next
  var state = "idle"; // idle | playing | paused
  var voice = null;
  var run = 0; // bumped on every pause and stop, so a cancelled step's late events are ignored
  var timer = null;
  var marked = null;

  function mark(block) {
    if (marked) {
      marked.classList.remove("read-aloud__current");
    }
    marked = block || null;
    if (marked) {
      marked.classList.add("read-aloud__current");
    }
  }

  function show(next, message) {
    state = next;
    play.textContent = next === "playing" ? "Pause" : next === "paused" ? "Resume" : "Read aloud";
    stop.disabled = next === "idle";
    status.textContent = message;
  }

  function advance(mine) {
    if (mine !== run || state !== "playing") {
      return;
    }
    if (at >= queue.length) {
      at = 0;
      mark(null);
      show("idle", "Finished. You can read it again whenever you like.");
      return;
    }
    var step = queue[at];
    at += 1;
    if (step.rest) {
      timer = window.setTimeout(function () { advance(mine); }, step.rest);
      return;
    }
    mark(step.block);
    var utterance = new window.SpeechSynthesisUtterance(step.text);
    utterance.voice = voice;
    utterance.lang = voice.lang;
    utterance.rate = RATE;
    utterance.onend = function () { advance(mine); };
    utterance.onerror = function () { advance(mine); };
    synth.speak(utterance);
  }

  // Pausing cancels the sentence under way and resumes from its start: speechSynthesis.pause()
  // is unreliable across browsers (on some it never resumes).
  function halt() {
    run += 1;
    window.clearTimeout(timer);
    synth.cancel();
  }

  play.addEventListener("click", function () {
    if (state === "playing") {
      halt();
      at = Math.max(0, at - 1);
      show("paused", "Paused.");
      return;
    }
    voice = localVoice();
    if (!voice) {
      box.hidden = true;
      return;
    }
    if (state === "idle") {
      queue = steps();
      at = 0;
    }
    halt();
    show("playing", "Reading aloud.");
    advance(run);
  });

  function reset(message) {
    halt();
    at = 0;
    mark(null);
    show("idle", message);
  }

  stop.addEventListener("click", function () {
    reset("Stopped.");
    play.focus(); // Stop is disabled now; keep the keyboard where it was
  });

  // Leaving the page stops the voice (some browsers keep speaking after a navigation), and a
  // page restored from the back-forward cache starts from the top.
  window.addEventListener("pagehide", function () {
    reset("");
  });

  function offer() {
    if (box.hidden && localVoice()) {
      box.hidden = false;
    }
  }
  offer();
  if (typeof synth.addEventListener === "function") {
    synth.addEventListener("voiceschanged", offer); // voices often arrive after the page loads
  }
})();
