from rest_framework.routers import SimpleRouter

from .views import FeedbackTypeViewSet, FeedbackViewSet

router = SimpleRouter(trailing_slash=False)
router.register("feedbacks", FeedbackViewSet, basename="feedbacks")
router.register("feedback-types", FeedbackTypeViewSet, basename="feedback-types")
urlpatterns = router.urls
